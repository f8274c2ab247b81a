#!/bin/sh
# The public header compiles on its own, pedantically, as C99 and as C++.
set -e
src=${top_srcdir:-.}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '#include <zkelect.h>\nint main(void) { return zkelect_is_leader(0); }\n' >"$out/t.c"
${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -I"$src/include" -c "$out/t.c" -o "$out/t.o"
${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -I"$src/include" -c "$out/t.c" -o "$out/t.o"
if command -v c++ >/dev/null 2>&1; then
    cp "$out/t.c" "$out/t.cc"
    c++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$src/include" -c "$out/t.cc" -o "$out/t.o"
fi
echo "1 passed, 0 failed"
