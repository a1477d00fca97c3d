#!/bin/sh
# vendor.sh installs the pinned front-end packages (package-lock.json) and copies
# the files the web app serves into static/vendor/, and axe-core (for the
# accessibility checks of the browser tests) into browsertest/axe/. Both are
# committed so that building and testing never need npm or the network.
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

# axe-core runs the accessibility checks of the browser tests; it is embedded
# in the test helper package only, never served to users.
src=node_modules/axe-core
dst=browsertest/axe
rm -rf "$dst"
mkdir -p "$dst"
cp "$src/axe.min.js" "$src/LICENSE" "$dst/"
version=$(node -p "require('./$src/package.json').version")
printf 'axe-core %s (npm), copied by vendor.sh\n' "$version" > "$dst/VERSION"

echo "vendored axe-core $version into $dst"
