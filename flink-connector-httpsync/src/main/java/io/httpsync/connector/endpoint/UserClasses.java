package io.httpsync.connector.endpoint;

import io.httpsync.connector.auth.CustomSigner;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.Map;

/**
 * Creates the user's extensions named by class in the options ({@code response.transformer}, {@code
 * request.signer}) through the job's class loader: the thread's context class loader, which Flink
 * sets to the user code class loader in readers and coordinators and the SQL client to the one
 * holding added jars, else the connector's own. Every failure names the option and the class.
 * Stateless.
 */
@Internal
public final class UserClasses {
    private UserClasses() {}

    /**
     * Checks, without creating anything, that the classes a description names can be used: each is
     * loaded by {@code loader} (not initialized), implements its interface and has a public
     * no-argument constructor. Called where a description is validated (a SQL table's factory with
     * the class loader of its context, {@code HttpSyncSourceBuilder.build()} with the thread's), so
     * that a wrong name fails the statement or the job's {@code main}, not its readers later.
     *
     * @throws IllegalArgumentException naming the option, the class and what is wrong
     */
    public static void check(EndpointSpec spec, @Nullable ClassLoader loader) {
        Map<String, String> o = spec.toOptions();
        check(o, EndpointOptions.RESPONSE_TRANSFORMER.key(), ResponseTransformer.class, loader);
        check(o, EndpointOptions.REQUEST_SIGNER.key(), CustomSigner.class, loader);
    }

    private static void check(
            Map<String, String> options, String key, Class<?> type, @Nullable ClassLoader loader) {
        String className = options.get(key);
        if (className != null) load(key, className, type, loader, false);
    }

    /**
     * A new instance of {@code className}, created through the thread's context class loader; it
     * must implement {@code type} and have a public no-argument constructor.
     *
     * @throws IllegalArgumentException naming the option, the class and what is wrong
     */
    public static <T> T instantiate(String optionKey, String className, Class<T> type) {
        Class<?> c =
                load(
                        optionKey,
                        className,
                        type,
                        Thread.currentThread().getContextClassLoader(),
                        true);
        try {
            return type.cast(c.getConstructor().newInstance());
        } catch (InvocationTargetException e) {
            throw OptionReader.invalid(
                    optionKey,
                    "class '"
                            + className
                            + "' failed in its constructor: "
                            + e.getCause().getClass().getSimpleName());
        } catch (ReflectiveOperationException e) {
            throw OptionReader.invalid(
                    optionKey, "class '" + className + "' cannot be created: " + e);
        }
    }

    private static Class<?> load(
            String optionKey,
            String className,
            Class<?> type,
            @Nullable ClassLoader loader,
            boolean initialize) {
        if (loader == null) loader = UserClasses.class.getClassLoader();
        Class<?> c;
        try {
            c = Class.forName(className.trim(), initialize, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw OptionReader.invalid(
                    optionKey,
                    "class '"
                            + className
                            + "' cannot be loaded by the job's class loader ("
                            + e
                            + "); is its jar part of the job (or added with ADD JAR)?");
        }
        if (!type.isAssignableFrom(c)) {
            throw OptionReader.invalid(
                    optionKey, "class '" + className + "' does not implement " + type.getName());
        }
        if (Modifier.isAbstract(c.getModifiers())) {
            throw OptionReader.invalid(
                    optionKey, "class '" + className + "' is abstract: name a concrete class");
        }
        try {
            c.getConstructor();
        } catch (NoSuchMethodException | SecurityException e) {
            throw OptionReader.invalid(
                    optionKey,
                    "class '" + className + "' has no public constructor without arguments");
        }
        return c;
    }
}
