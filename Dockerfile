# Kamiyo's container image: `docker build -t kamiyo .` (docs/deploy-docker.md).
#
# Node runs the TypeScript sources directly (type stripping), as `npx kamiyo` does from a
# checkout, so the image holds the workspaces' sources, their production dependencies and the
# web app built in the build stage; no compiler, no dev dependencies, no npm in the command.
#
# Base: the official Node image on Debian slim, the same Node as the "node" devDependency in
# package.json (the Node the tests run on) and glibc like the CI machines. Alpine's musl builds
# of Node are an experimental platform of Node; nothing here needs a smaller base. For
# reproducible builds pin the digest too (node:TAG@sha256:…).
ARG NODE_IMAGE=node:24.21.0-trixie-slim

# Every workspace's package.json and the lockfile, and nothing else: the install layers below
# are rebuilt only when a manifest changes, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
  && find . -name package.json -exec cp --parents {} /manifests/ \; \
  && cp package-lock.json /manifests/

# The web app (Vite) needs the dev dependencies; only its output leaves this stage.
# --ignore-scripts: the base image's Node is the pinned one, so the "node" package's download of
# it is not needed, and the web build runs once the sources are copied.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build:web

# Production dependencies only. --ignore-scripts: no production dependency needs its install
# script (package.json allows only the dev-only "node" package's), and the root's prepare
# (the web build) happens in the build stage.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=8080 \
    KAMIYO_DATA_DIR=/var/lib/kamiyo/data \
    KAMIYO_CACHE_DIR=/var/lib/kamiyo/cache
WORKDIR /app
# Files stay root's and read-only to the process; only /var/lib/kamiyo is its own (a volume).
COPY --from=prod-deps /app/ ./
COPY apps/cli/ apps/cli/
COPY apps/web/server/ apps/web/server/
COPY packages/ packages/
COPY modules/ modules/
COPY fixtures/scenarios/ fixtures/scenarios/
COPY --from=build /app/apps/web/dist/ apps/web/dist/
RUN mkdir -p /var/lib/kamiyo/data /var/lib/kamiyo/cache \
  && chown -R 1000:1000 /var/lib/kamiyo
# The image's "node" user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8080
# Liveness without curl: Node's own fetch against /health on the configured port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.API_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and gets SIGTERM itself: kamiyo handles it (drains requests and streams,
# flushes the pipeline, closes the database) and starts no child processes to reap, so no init
# is needed. The flag is the one the kamiyo bin's shebang passes.
ENTRYPOINT ["node", "--max-semi-space-size=16", "apps/cli/bin/kamiyo.js"]
CMD ["serve"]
