// Two projects: pure-logic unit tests, and integration tests that talk to the real local stack
// (Kafka, schema registry, Redis, Postgres, ClickHouse) which `npm test` brings up first.
const transform = { '^.+\\.ts$': ['@swc/jest'] };
// Prints process.version and stops a run on an unsupported Node (scripts/node-runtime.ts).
const globalSetup = '<rootDir>/test/helpers/node-runtime-setup.ts';

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      globalSetup,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      globalSetup,
      testMatch: ['<rootDir>/test/**/*.int.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/helpers/integration-timeout.ts'],
    },
  ],
};
