#!/bin/sh
# vendor.sh installs the pinned front-end packages (package-lock.json) and copies
# the files the web app serves into static/vendor/, which is committed so that
# building the Go binary never needs npm or the network.
set -eu

cd "$(dirname "$0")"

npm ci --ignore-scripts --no-audit --no-fund

src=node_modules/leaflet
dst=static/vendor/leaflet

rm -rf "$dst"
mkdir -p "$dst/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$dst/"
cp "$src/dist/images/"*.png "$dst/images/"
cp "$src/LICENSE" "$dst/LICENSE"
version=$(node -p "require('./$src/package.json').version")
printf 'leaflet %s (npm), copied by vendor.sh\n' "$version" > "$dst/VERSION"

echo "vendored leaflet $version into $dst"
