# backstop: one image for every role (start, api, worker, gateway, migrate). It carries the product alone, compiled:
# the Discord emulator and the sandbox are packages of the repository (packages/), in the separate `sandbox` target.
# Node 26 is the current LTS line; its images are Debian 13 (trixie) based.

# The build: every dependency, the bundle in dist/.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/discord-emulator/package.json packages/discord-emulator/
COPY packages/sandbox/package.json packages/sandbox/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts ./scripts
COPY commands ./commands
COPY src ./src
RUN npm run build

# The product: production dependencies, the bundle and the migrations; no compiler, no TypeScript, no test doubles.
FROM node:26-trixie-slim AS product
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY drizzle ./drizzle
COPY examples ./examples
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# The API's /health (PostgreSQL and Redis reachable). A worker or gateway container probes its own port instead: the
# compose file overrides this check for them.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/backstop.mjs"]
CMD ["start"]

# `docker compose --profile sandbox up`: the product plus the test Discord and the sandbox page (`backstop demo`). The
# sandbox runs its packages as TypeScript through tsx, a development dependency, so this target installs them all.
FROM product AS sandbox
USER root
COPY packages ./packages
RUN npm ci --no-audit --no-fund --ignore-scripts && npm cache clean --force
USER node
CMD ["demo"]

# The default target is the product.
FROM product
