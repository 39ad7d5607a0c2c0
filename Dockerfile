# failover-sandbox: docker run -p 8080:8080 -v sandbox-data:/data <image>
# Every stage uses the same image, so better-sqlite3's native module is built for the Node and glibc
# it runs on. Node 24 (Active LTS), pinned to an exact release: a rebuild gets the same runtime.
# To move, change the tag here (or pin a digest: node:24.11.1-bookworm-slim@sha256:…).
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# the build tools, installed once: both stages that run npm ci start from here
FROM ${NODE_IMAGE} AS toolchain
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./

# the compiler: all dependencies, then tsc into dist/
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc, then the server and the CLI bundled by esbuild over dist/src/server.js and cli.js
COPY scripts/bundle.mjs ./scripts/
RUN npm run build

# production dependencies only (no pino-pretty: the container's stdout is not a TTY), then
# better-sqlite3's build leftovers pruned: its C sources, objects and static library (~25 MB);
# only build/Release/better_sqlite3.node is loaded at run time
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
  && cd node_modules/better-sqlite3 \
  && find build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
  && find build/Release -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} + \
  && rm -rf deps src \
  && cd /app && node -e "new (require('better-sqlite3'))(':memory:').close()" \
  && npm cache clean --force

# the runtime: no compiler, no dev dependencies, not root
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="failover-sandbox" \
      org.opencontainers.image.description="A local sandbox that answers as Routee's Failover API does, for integration tests, CI contract tests and demos." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${NODE_IMAGE}" \
      org.opencontainers.image.documentation="README.md"
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY db ./db
COPY openapi ./openapi
COPY src/ui ./src/ui
RUN mkdir -p /data && chown node:node /data
# listen on every interface inside the container; keep the database on the volume
ENV HOST=0.0.0.0 \
    PORT=8080 \
    SANDBOX_DB=/data/sandbox.db
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/_sandbox/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/server.js"]
