// caractrl's memory allocator settings, read by jemalloc (linked into this
// binary only; src/CMakeLists.txt) before main runs.
//
// diff and sync of a large source build and drop millions of small JSON
// nodes on every core. With glibc's malloc a fifth of a 10,000-project diff
// went to the allocator and its page faults; with jemalloc on transparent
// huge pages (where the kernel allows them, as Debian's default "madvise"
// does) the same diff faults about a third as often and takes about 0.7 of
// the time (docs/benchmarks.md). MALLOC_CONF still overrides this.
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks up.
const char* malloc_conf = "thp:always";
}
