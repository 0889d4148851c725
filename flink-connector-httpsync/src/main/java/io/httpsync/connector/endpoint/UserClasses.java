package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

import java.lang.reflect.InvocationTargetException;

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
     * A new instance of {@code className}, which must implement {@code type} and have a public
     * no-argument constructor.
     *
     * @throws IllegalArgumentException naming the option, the class and what is wrong
     */
    public static <T> T instantiate(String optionKey, String className, Class<T> type) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) loader = UserClasses.class.getClassLoader();
        Class<?> c;
        try {
            c = Class.forName(className.trim(), true, loader);
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
        try {
            return type.cast(c.getConstructor().newInstance());
        } catch (NoSuchMethodException e) {
            throw OptionReader.invalid(
                    optionKey,
                    "class '" + className + "' has no public constructor without arguments");
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
}
