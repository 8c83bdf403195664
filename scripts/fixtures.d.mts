/** Absolute path of the fixture cache directory (it may not exist yet). */
export declare function fixturesDir(): string;
/**
 * Absolute path of fixture `name` (e.g. 'vmlinux', 'busybox', 'manifest.json')
 * if it exists as a non-empty regular file, otherwise null.
 * Throws on names containing path separators or starting with '.'.
 */
export declare function fixturePath(name: string): string | null;
