/**
 * The PATH a program gets when nothing gives it one: a container's default
 * (before the image's Env and -e), the programs burrow runs in a user
 * namespace, and a lookup on a host without PATH. One value, as podman's.
 */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
