package io.hermod.broker.definitions;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A user of the broker's internal user database: its name, its salted password hash and its tags (RabbitMQ's user
 * tags, such as {@code administrator}; they mean nothing to the broker itself and are kept for management). Tags are
 * kept sorted and without duplicates, so that two definitions of the same user are equal and encode alike.
 */
public record UserDefinition(String name, PasswordHash passwordHash, List<String> tags) {

    public UserDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(passwordHash, "passwordHash");
        tags = tags == null ? List.of() : List.copyOf(new TreeSet<>(tags));
    }
}
