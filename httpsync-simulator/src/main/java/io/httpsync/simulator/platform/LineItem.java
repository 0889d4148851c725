package io.httpsync.simulator.platform;

import io.httpsync.simulator.data.SimRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * One line (sub-order) of an order, as the simulator derives it from the order: 1 to 3 lines per
 * order, fixed by the order's id, whose amounts add up to the order's amount. Platforms render them
 * in their own shape.
 *
 * @param index 0-based position within the order
 * @param amountCents this line's share of the order amount
 * @param sku a product code, the same for the same product across orders
 * @param title the product's name
 */
public record LineItem(int index, long amountCents, String sku, String title) {

    public static List<LineItem> of(SimRecord order) {
        int count = 1 + (int) (order.id() % 3);
        List<LineItem> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long share = order.amountCents() / count + (i == 0 ? order.amountCents() % count : 0);
            long product = (order.id() + i) % 97;
            items.add(new LineItem(i, share, "SKU" + product, "商品" + product));
        }
        return items;
    }
}
