package io.hermod.server.management;

/** A listener of the server, as {@code /api/overview} lists it and the port-listener health check looks for it. */
public record Listener(String protocol, String host, int port) {}
