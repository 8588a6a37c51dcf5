package io.hermod.server;

/**
 * One configuration value as given, with where it came from, so that an error can point at it.
 *
 * @param value the text as written
 * @param source e.g. {@code hermod.conf line 3}, {@code environment variable HERMOD_AMQP_PORT}, {@code --amqp-port}
 *     or {@code default}
 */
record Setting(String value, String source) {}
