package io.keystep.deploy;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The local stack the end-to-end tests share: starting it takes minutes, so it starts once for the whole run, when
 * the first test class asks for it (a {@link LocalStack} parameter of its {@code @BeforeAll}), on free ports, and stops
 * when JUnit has run everything.
 */
final class SharedStack implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedStack.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // The root context's store closes what it holds (the stack is AutoCloseable) once every class has run.
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(LocalStack.class, key -> start(),
                LocalStack.class);
    }

    private static LocalStack start() {
        Path root = Path.of(System.getProperty("keystep.root", "..")).toAbsolutePath().normalize();
        return LocalStack.start(root, StackPorts.free(), Secrets.generate(), System.getenv(),
                root.resolve("deploy/target/e2e-logs"), new PrintStream(System.out, true));
    }
}
