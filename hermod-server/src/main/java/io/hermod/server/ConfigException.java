package io.hermod.server;

/**
 * The server cannot start with the configuration it was given: an unknown key or option, a value out of range, a file
 * that cannot be read. The message names where the setting came from, the key and the problem, e.g.
 * {@code hermod.conf line 3: amqp.port: must be an integer in [0, 65535], got 'abc'}; it is meant for the operator as
 * it is, without a stack trace.
 */
final class ConfigException extends RuntimeException {

    ConfigException(String message) {
        super(message);
    }

    /** A value that does not do for its key. */
    static ConfigException invalid(ConfigKey key, Setting setting, String problem) {
        String shown = key.secret() ? "" : ", got '" + setting.value() + "'";
        return new ConfigException(setting.source() + ": " + key.key() + ": " + problem + shown);
    }
}
