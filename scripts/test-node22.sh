#!/usr/bin/env bash
# Runs the type check and the jest suite (or the jest arguments given) under Node 22 LTS, the
# runtime the templates deploy, on a machine whose own Node is another major version.
#
#   scripts/test-node22.sh                                  # tsc + the whole suite
#   scripts/test-node22.sh test/integration/storage         # tsc + the named tests
#
# How, without touching this checkout's node_modules (its better-sqlite3 stays built for the
# machine's Node):
# 1. Node 22 from the npm registry: the `node-<os>-<arch>` package (the `node` package's own
#    install script only picks that one). It ships the headers in include/node, so
# 2. better-sqlite3 is built from source for Node 22 with node-gyp (no prebuilt binary is
#    downloaded; needs python3, make and a C++ compiler), into a copy of the package.
# 3. A scratch copy of the sources whose node_modules links every package of this checkout
#    except better-sqlite3, which is the Node 22 build. Tests run there with Node 22 first on
#    PATH, so Azurite and other child processes run on Node 22 too.
#
# Settings: NODE22_VERSION (default 22, the latest 22.x), NODE22_DIR (default /tmp/node22:
# the Node 22 install and the better-sqlite3 build, reused between runs), NODE22_WORK
# (default /tmp/backup-doctor-node22: the scratch copy, refreshed on every run).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${NODE22_VERSION:-22}"
home="${NODE22_DIR:-/tmp/node22}"
work="${NODE22_WORK:-/tmp/backup-doctor-node22}"

platform="$(node -p 'process.platform + "-" + process.arch')"
package="node-${platform}"
node22="${home}/node_modules/${package}/bin/node"

if [[ ! -x "${node22}" ]]; then
  echo "Installing ${package}@${version} into ${home}"
  mkdir -p "${home}"
  [[ -f "${home}/package.json" ]] || echo '{"private":true}' > "${home}/package.json"
  npm install --prefix "${home}" --no-audit --no-fund "${package}@${version}"
fi
node22_version="$("${node22}" --version)"
case "${node22_version}" in v22.*) ;; *) echo "expected Node 22, got ${node22_version}" >&2; exit 1 ;; esac
echo "Node ${node22_version} at ${node22}"

# better-sqlite3 for Node 22, rebuilt only when the Node version or the package version changed.
sqlite_src="${repo}/node_modules/better-sqlite3"
sqlite_version="$(node -p "require('${sqlite_src}/package.json').version")"
sqlite_build="${home}/better-sqlite3-${sqlite_version}-node${node22_version}"
if [[ ! -f "${sqlite_build}/build/Release/better_sqlite3.node" ]]; then
  echo "Building better-sqlite3 ${sqlite_version} from source for Node ${node22_version}"
  rm -rf "${sqlite_build}"
  mkdir -p "${sqlite_build}"
  cp -a "${sqlite_src}/." "${sqlite_build}/"
  rm -rf "${sqlite_build}/build"
  node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "${node_gyp}" ]] || node_gyp="$(dirname "$(dirname "$(command -v npm)")")/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  (cd "${sqlite_build}" && "${node22}" "${node_gyp}" rebuild --release --nodedir="${home}/node_modules/${package}" --jobs="${NODE22_BUILD_JOBS:-1}")
fi

# The scratch copy: tracked and new (not ignored) files, node_modules linked package by package.
echo "Preparing ${work}"
rm -rf "${work}"
mkdir -p "${work}/node_modules"
(
  cd "${repo}"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    if [[ -e "${file}" ]]; then printf '%s\0' "${file}"; fi
  done | tar --null -T - -cf -
) | tar -xf - -C "${work}"
for entry in "${repo}/node_modules/"* "${repo}/node_modules/".bin; do
  name="$(basename "${entry}")"
  [[ "${name}" == "better-sqlite3" ]] && continue
  ln -s "${entry}" "${work}/node_modules/${name}"
done
cp -a "${sqlite_build}" "${work}/node_modules/better-sqlite3"

cd "${work}"
export PATH="$(dirname "${node22}"):${PATH}"
node -e "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get(); console.log('better-sqlite3 loads under', process.version)"
node node_modules/typescript/bin/tsc -p tsconfig.json --noEmit
echo "tsc: ok under $(node --version)"
node node_modules/jest/bin/jest.js "$@"
