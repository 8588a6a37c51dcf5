package io.hermod.server.management;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The node name the API reports, RabbitMQ style ({@code hermod@host}); Hermod is one node, never a cluster. */
final class Nodes {

    static final String NAME = "hermod@" + hostName();

    private Nodes() {}

    private static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
