# callboard's production image: one static Go binary on a small base that
# has git. Build it with the version stamped into `callboard version`:
#
#   docker build --build-arg VERSION=1.4.0 --build-arg COMMIT=$(git rev-parse --short HEAD) -t callboard:1.4.0 .
#
# CI cannot run a Docker engine; deploy/image/check.sh runs this file's
# build-stage RUN lines as a script and checks the binary they produce, so
# this file stays the one description of the build.

# --- build: the static binary --------------------------------------------
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Module downloads are their own layer: a change to the sources alone
# does not fetch them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG OUT=/out
# CGO_ENABLED=0: pure Go (modernc.org/sqlite, pgx), so the binary is
# static and runs on any base. -buildvcs=false: .git is not sent to the
# build (.dockerignore); the commit comes in through COMMIT instead.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
	-ldflags "-s -w -X callboard.Version=${VERSION} -X callboard.Commit=${COMMIT}" \
	-o "${OUT}/callboard" ./cmd/callboard

# --- runtime ---------------------------------------------------------------
# Not scratch or distroless: callboard runs the git binary (package git)
# to clone TechDocs sources from url: refs (techdocs/docsync) and to push
# what software templates create (publish:git, publish:github and its pull
# requests). git's https transport is a helper linked against libcurl, so
# it cannot be copied into a scratch image alone; Alpine's git package
# brings it, its CA bundle and nothing else (about 20 MB more than
# distroless). The callboard binary itself needs no libc.
FROM alpine:3.22
RUN apk add --no-cache git ca-certificates \
	&& addgroup -S -g 10001 callboard \
	&& adduser -S -D -H -u 10001 -G callboard -h /app callboard \
	&& mkdir -p /var/lib/callboard \
	&& chown callboard:callboard /var/lib/callboard
COPY --from=build /out/callboard /usr/local/bin/callboard
# The base configuration; app-config.production.yaml is replaced by the
# Helm chart's ConfigMap (or a docker run -v mount).
COPY deploy/image/app-config.yaml deploy/image/app-config.production.yaml /app/
WORKDIR /app
USER 10001:10001
EXPOSE 7007
ENTRYPOINT ["callboard"]
CMD ["serve", "--config", "/app/app-config.yaml", "--config", "/app/app-config.production.yaml"]
