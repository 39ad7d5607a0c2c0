# failover-sandbox: docker run -p 8080:8080 -v sandbox-data:/data <image>
# Every stage uses the same image, so better-sqlite3's native module is built (or fetched) for the
# Node and glibc it runs on. Node 20 matches package.json "engines" and the better-sqlite3 12 pin.
ARG NODE_IMAGE=node:20-bookworm-slim

# the compiler: all dependencies, then tsc into dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# production dependencies only (better-sqlite3 may compile here: the same build tools)
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# the runtime: no compiler, no dev dependencies, not root
FROM ${NODE_IMAGE} AS runtime
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
