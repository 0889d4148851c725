package io.httpsync.connector.table;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every value of every enum option of a SQL table is accepted as the docs spell it. Flink's own
 * option validation (run by {@code validateExcept} on each statement) parses an enum option by
 * comparing the constant's {@code toString()}, not our {@link OptionEnum#optionValue()}, so a
 * constant with a dash in its spelling ({@code soft-delete}, {@code no-row}) is refused unless its
 * {@code toString()} says the same.
 */
class OptionEnumSpellingTest {

    @Test
    void everyEnumOptionOfASqlTableTakesEachValueInItsDocumentedSpelling() throws Exception {
        HttpSyncDynamicTableFactory factory = new HttpSyncDynamicTableFactory();
        Set<ConfigOption<?>> options = new HashSet<>(factory.requiredOptions());
        options.addAll(factory.optionalOptions());
        // the option's type is not public in Flink's API; a test may read it
        Method clazz = ConfigOption.class.getDeclaredMethod("getClazz");
        clazz.setAccessible(true);
        List<String> refused = new ArrayList<>();
        int checked = 0;
        for (ConfigOption<?> option : options) {
            Class<?> type = (Class<?>) clazz.invoke(option);
            if (!type.isEnum() || !OptionEnum.class.isAssignableFrom(type)) continue;
            for (Object constant : type.getEnumConstants()) {
                String spelling = ((OptionEnum) constant).optionValue();
                checked++;
                try {
                    Object parsed =
                            Configuration.fromMap(Map.of(option.key(), spelling)).get(option);
                    if (parsed != constant) refused.add(option.key() + " = " + spelling);
                } catch (IllegalArgumentException e) {
                    refused.add(option.key() + " = " + spelling + " (" + e.getMessage() + ")");
                }
            }
        }
        assertThat(checked).as("enum option values checked").isGreaterThan(10);
        assertThat(refused).as("values Flink's validation refuses").isEmpty();
    }
}
