// Integration tests talk to the real stack (topic creation, consumer-group joins, child processes),
// which takes seconds, not milliseconds. Jest 29 ignores testTimeout inside a project, hence this.
jest.setTimeout(120_000);
