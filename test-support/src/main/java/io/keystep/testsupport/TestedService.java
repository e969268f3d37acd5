package io.keystep.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.Properties;

/**
 * The service a Quarkus test runs, by the {@code quarkus.application.name} of the {@code application.properties} on
 * the test's class path, so that a shared test resource can hand the service its own identity on a shared server.
 */
public final class TestedService {

    private TestedService() {
    }

    /** The application's name; fails when no {@code application.properties} on the class path names one. */
    public static String name() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            Enumeration<URL> files = loader.getResources("application.properties");
            while (files.hasMoreElements()) {
                Properties properties = new Properties();
                try (InputStream in = files.nextElement().openStream()) {
                    properties.load(in);
                }
                String name = properties.getProperty("quarkus.application.name");
                if (name != null && !name.isBlank()) {
                    return name.strip();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read application.properties", e);
        }
        throw new IllegalStateException("no application.properties on the class path names quarkus.application.name");
    }
}
