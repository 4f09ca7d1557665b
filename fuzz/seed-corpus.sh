#!/bin/sh
# Seeds the fuzz corpora from the fixtures. Run from anywhere; writes fuzz/corpus/{parse,lint,diff}/ (not
# committed: libFuzzer grows them as it runs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
for target in parse lint diff; do
    mkdir -p "$here/corpus/$target"
done
for f in "$fixtures"/*/*.conf "$fixtures"/*/*.set; do
    name=$(echo "$f" | sed "s|$fixtures/||; s|/|-|g")
    cp "$f" "$here/corpus/parse/$name"
    cp "$f" "$here/corpus/lint/$name"
done
# diff inputs: two big-endian bytes giving the old file's length, the old file, the new file.
pair() {
    old=$1 new=$2 out=$3
    len=$(wc -c < "$old")
    printf "$(printf '\\%03o\\%03o' $((len / 256)) $((len % 256)))" > "$out"
    cat "$old" "$new" >> "$out"
}
pair "$fixtures/diff/flow-old.conf" "$fixtures/diff/flow-new.conf" "$here/corpus/diff/flow"
for code in 501 502 503; do
    pair "$fixtures/rules/RC$code-old.conf" "$fixtures/rules/RC$code-fires.conf" "$here/corpus/diff/RC$code-fires"
    pair "$fixtures/rules/RC$code-old.conf" "$fixtures/rules/RC$code-quiet.conf" "$here/corpus/diff/RC$code-quiet"
done
for f in "$fixtures"/rules/RC30*-fires.conf "$fixtures"/rules/RC40*-fires.conf; do
    quiet=$(echo "$f" | sed 's/-fires/-quiet/')
    pair "$quiet" "$f" "$here/corpus/diff/$(basename "$f" .conf)"
done
echo "seeded: $(ls "$here/corpus/parse" | wc -l) parse, $(ls "$here/corpus/lint" | wc -l) lint, $(ls "$here/corpus/diff" | wc -l) diff"
