# backstop: one image for every role (start, api, worker, migrate). It carries the product alone: the Discord emulator
# and the sandbox are packages of the repository (packages/), built into the separate `sandbox` target only.
FROM node:20-bookworm-slim AS product
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY drizzle ./drizzle
COPY commands ./commands
COPY examples ./examples
USER node
EXPOSE 3000
ENTRYPOINT ["node", "bin/backstop.mjs"]
CMD ["start"]

# `docker compose --profile sandbox up`: the product plus the test Discord and the sandbox page (`backstop demo`).
FROM product AS sandbox
USER root
COPY packages ./packages
RUN npm ci --omit=dev --no-audit --no-fund
USER node
CMD ["demo"]

# The default target is the product.
FROM product
