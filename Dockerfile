# Trustmap's image, on Node.js 24 LTS: built in one stage; the image holds Node.js, Chromium (for
# the PDF and screenshot exports), the built BFF and web app and the BFF's production dependencies,
# and no compiler, package manager or source. It runs as an unprivileged user (10001).
#   docker build -t trustmap:0.1.0 .
# The Helm chart (deploy/helm/trustmap) runs it with a read-only root filesystem and /tmp writable.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN node scripts/bootstrap.mjs \
 && node scripts/build.mjs web bff \
 && node scripts/pnpm.mjs --filter @trustmap/bff deploy --prod --legacy /out/apps/bff \
 && cd /out/apps/bff \
 && rm -rf src bench dist test-results tsconfig.json vitest.config.ts \
 && cd /src \
 && cp -r apps/bff/dist /out/apps/bff/dist \
 && mkdir -p /out/apps/web \
 && cp -r apps/web/dist /out/apps/web/dist

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --gid 10001 trustmap \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin trustmap
COPY --from=build /out /app
WORKDIR /app/apps/bff
USER 10001:10001
ENV NODE_ENV=production HOME=/tmp
EXPOSE 4317
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.mjs"]
CMD ["--host=0.0.0.0", "--port=4317"]
