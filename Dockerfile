# backstop: one image for every role (start, api, worker, migrate).
FROM node:20-bookworm-slim
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
