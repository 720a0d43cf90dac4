#!/bin/sh
# corrupt_check.sh BATON_VECTORS KIND VECTOR_FILE KEY
#
# Proves the vector runner can fail: copies VECTOR_FILE, changes the first hex digit of the first
# all-hex string value of KEY (one expected byte), and passes only if
#   1. the untouched file passes (exit 0), so the failure below is the corruption's doing, and
#   2. the corrupted copy makes `BATON_VECTORS KIND copy` exit non-zero and print a FAIL line
#      for an entry (not the "FAIL <file>: ..." line of a file that could not be parsed).
set -u
if [ $# -ne 4 ]; then
    echo "usage: $0 BATON_VECTORS KIND VECTOR_FILE KEY" >&2
    exit 2
fi
bin=$1 kind=$2 src=$3 key=$4

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
copy="$tmp/corrupted.json"

if ! "$bin" "$kind" "$src" >"$tmp/original.out" 2>&1; then
    echo "the original $src does not pass; nothing to prove:"
    cat "$tmp/original.out"
    exit 1
fi

# Flip the first character of the first "KEY": "<hex>" value: 0 becomes 1, anything else 0.
awk -v key="$key" '
    !done && match($0, "\"" key "\"[ ]*:[ ]*\"[0-9a-fA-F]+\"") {
        s = substr($0, RSTART, RLENGTH)
        pos = RSTART + index(s, ":") - 1
        pos = pos + index(substr($0, pos), "\"")        # first character of the value
        c = substr($0, pos, 1)
        $0 = substr($0, 1, pos - 1) (c == "0" ? "1" : "0") substr($0, pos + 1)
        done = 1
    }
    { print }
    END { if (!done) exit 3 }
' "$src" >"$copy"
case $? in
    0) ;;
    3) echo "no hex value for key \"$key\" in $src"; exit 1 ;;
    *) echo "awk failed"; exit 1 ;;
esac
if cmp -s "$src" "$copy"; then
    echo "corruption changed nothing"
    exit 1
fi

"$bin" "$kind" "$copy" >"$tmp/corrupted.out" 2>&1
rc=$?
cat "$tmp/corrupted.out"
if [ "$rc" -eq 0 ]; then
    echo "corrupt_check: $kind runner accepted a corrupted copy of $src (key $key)"
    exit 1
fi
if ! grep '^FAIL ' "$tmp/corrupted.out" | grep -v -F "FAIL $copy:" | grep -q .; then
    echo "corrupt_check: exit $rc but no FAIL line for an entry"
    exit 1
fi
echo "corrupt_check: $kind runner failed on the corrupted copy as it should (exit $rc)"
exit 0
