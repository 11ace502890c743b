# One image for all three tiers; the compose file / Kubernetes manifests pick the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev && npm cache clean --force
COPY common ./common
COPY schemas ./schemas
COPY infra/migrate.ts ./infra/migrate.ts
COPY infra/migrations ./infra/migrations
COPY infra/clickhouse ./infra/clickhouse
COPY ingest ./ingest
COPY processors ./processors
COPY push ./push
COPY tsconfig.json ./
USER node
EXPOSE 8080 8090
CMD ["npx", "tsx", "ingest/main.ts"]
