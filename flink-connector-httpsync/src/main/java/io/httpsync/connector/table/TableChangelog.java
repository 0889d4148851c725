package io.httpsync.connector.table;

import io.httpsync.connector.source.PassChangelog;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;

import javax.annotation.Nullable;

import java.util.List;

/**
 * How a scanned table's rows meet {@link PassChangelog}: keyed by tenant (its {@code tenant}
 * metadata column, or the table's only tenant) and PRIMARY KEY; a gone row becomes a DELETE of its
 * last version, or with {@code soft-delete} an UPDATE_AFTER of it with the {@code deleted} metadata
 * column true and {@code deleted-at} the pass's start. Immutable.
 */
@Internal
final class TableChangelog implements PassChangelog.Keys<RowData>, PassChangelog.Deletion<RowData> {
    private static final long serialVersionUID = 1L;

    private final RowData.FieldGetter[] fields;
    private final int[] key;
    private final int tenantField;
    @Nullable private final String onlyTenant;
    private final int deletedField;
    private final int deletedAtField;

    /**
     * @param producedType the rows' type: physical columns, then the metadata columns
     * @param key the PRIMARY KEY's positions
     * @param metadata the metadata columns, in their order after the physical columns
     * @param physicalArity how many physical columns there are
     * @param onlyTenant the table's tenant if it has one only, else null (then the {@code tenant}
     *     metadata column is required)
     */
    TableChangelog(
            RowType producedType,
            int[] key,
            List<ReadableMetadata> metadata,
            int physicalArity,
            @Nullable String onlyTenant) {
        List<LogicalType> types = producedType.getChildren();
        this.fields = new RowData.FieldGetter[types.size()];
        for (int i = 0; i < fields.length; i++)
            fields[i] = RowData.createFieldGetter(types.get(i), i);
        this.key = key.clone();
        int tenant = metadata.indexOf(ReadableMetadata.TENANT);
        this.tenantField = tenant < 0 ? -1 : physicalArity + tenant;
        this.onlyTenant = onlyTenant;
        int deleted = metadata.indexOf(ReadableMetadata.DELETED);
        this.deletedField = deleted < 0 ? -1 : physicalArity + deleted;
        int deletedAt = metadata.indexOf(ReadableMetadata.DELETED_AT);
        this.deletedAtField = deletedAt < 0 ? -1 : physicalArity + deletedAt;
    }

    boolean hasTenant() {
        return tenantField >= 0 || onlyTenant != null;
    }

    boolean hasDeletedColumn() {
        return deletedField >= 0;
    }

    @Override
    public String tenant(RowData row) {
        return tenantField >= 0 ? row.getString(tenantField).toString() : onlyTenant;
    }

    @Override
    public String key(RowData row) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < key.length; i++) {
            if (i > 0) b.append('\u0001');
            b.append(fields[key[i]].getFieldOrNull(row));
        }
        return b.toString();
    }

    /**
     * The id the detail API of a pass's check is asked about: the PRIMARY KEY without the {@code
     * tenant} column (a one-column key in the usual table).
     */
    @Override
    public String id(RowData row) {
        StringBuilder b = new StringBuilder();
        for (int k : key) {
            if (k == tenantField) continue;
            if (b.length() > 0) b.append('\u0001');
            b.append(fields[k].getFieldOrNull(row));
        }
        return b.toString();
    }

    @Override
    public RowData of(RowData last, long passStartMillis, boolean soft) {
        GenericRowData row = new GenericRowData(fields.length);
        for (int i = 0; i < fields.length; i++) row.setField(i, fields[i].getFieldOrNull(last));
        if (!soft) {
            row.setRowKind(RowKind.DELETE);
            return row;
        }
        row.setRowKind(RowKind.UPDATE_AFTER);
        row.setField(deletedField, true);
        if (deletedAtField >= 0)
            row.setField(deletedAtField, TimestampData.fromEpochMillis(passStartMillis));
        return row;
    }
}
