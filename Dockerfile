# syntax=docker/dockerfile:1
# Parrot in a container. Build: `docker build -t parrot .`; run: see compose.yaml (or README, Metrics and health).
# What the image runs is what CI runs: the entry of `npm start` (tsx src/index.ts) as one Node process, which is what
# test/bot/process.test.ts starts; test/ops/container.test.ts holds this file to the project.

# --- dependencies: production only (tsx, which runs the TypeScript, is one of them) ---------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 is native: a prebuilt binary is used when one matches, otherwise it is compiled with these.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------------------------
FROM node:22-bookworm-slim
# tini as PID 1: it reaps zombies and passes SIGTERM on to Node, whose shutdown leaves the voice channels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=9100 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY ops/healthcheck.mjs ./ops/healthcheck.mjs
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 9100
# With several shards (SHARD_COUNT), the process started here supervises one process per shard and serves
# HTTP_PORT for them all: /healthz is 200 while every shard process is up or being started again in time.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node ops/healthcheck.mjs "http://127.0.0.1:${HTTP_PORT}/healthz"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/index.ts"]
