#!/bin/sh
# The image's entry point: starts the gim app named by the first argument (the apps built into dist/apps/).
set -eu
root=$(cd "$(dirname "$0")" && pwd)
app=${1:-}
case "$app" in
  '' | *[!a-z0-9-]*) main='' ;;
  *) main="$root/dist/apps/$app/apps/$app/src/main.js" ;;
esac
if [ -z "$main" ] || [ ! -f "$main" ]; then
  echo "usage: gim <app>, where <app> is one of:" >&2
  ls "$root/dist/apps" >&2
  exit 64
fi
shift
exec node --enable-source-maps "$main" "$@"
