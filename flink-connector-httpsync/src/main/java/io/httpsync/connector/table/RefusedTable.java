package io.httpsync.connector.table;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.types.DataType;

import java.util.List;
import java.util.Map;

/**
 * A table whose options were refused, which fails the statement with the refusal (already redacted)
 * as soon as the planner uses it.
 *
 * <p>Why not throw from the factory: Flink wraps anything a factory throws in a message that lists
 * every option of the table ("Table options are: ..."), masking only the keys its own list deems
 * sensitive, so an {@code Authorization} header, a {@code *-credential} tenant property or an app
 * key would be printed in clear. The planner calls this table right after the factory, within the
 * same statement (to list its metadata when the table declares metadata columns, then for its
 * changelog mode or its runtime provider), and reports the exception as it is. The statement fails
 * as before, with our message and no option values.
 *
 * <p>Used on the planner's thread only.
 */
@Internal
final class RefusedTable implements ScanTableSource, LookupTableSource, SupportsReadingMetadata {
    private final String tableName;
    private final ValidationException refusal;

    RefusedTable(String tableName, ValidationException refusal) {
        this.tableName = tableName;
        this.refusal = refusal;
    }

    private ValidationException refusal() {
        ValidationException e = new ValidationException(refusal.getMessage(), refusal.getCause());
        e.setStackTrace(refusal.getStackTrace());
        return e;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        throw refusal();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        throw refusal();
    }

    @Override
    public LookupRuntimeProvider getLookupRuntimeProvider(LookupContext context) {
        throw refusal();
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        throw refusal();
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys, DataType producedDataType) {
        throw refusal();
    }

    @Override
    public DynamicTableSource copy() {
        return this;
    }

    @Override
    public String asSummaryString() {
        return "HttpSync(" + tableName + ", refused)";
    }
}
