package io.httpsync.connector.endpoint.pagination;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A list API over one tenant's records (id, time) that change while a client pages: the platform
 * side of the pagination tests, as a plain in-memory model (the HTTP behaviour is tested against
 * the simulator). Records of a window {@code [start, end)} sort by time (descending or ascending),
 * ties by id ascending. It answers page-number queries with a total and has_next, Kuaishou-style
 * cursor queries ({@code <time>_<id>}, {@code "nomore"}), and inclusive keyset queries (time at or
 * after the key, in sort order).
 */
final class ModelListApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Long, Long> timeById = new LinkedHashMap<>();
    private final long start;
    private final long end;
    private final boolean desc;
    private final Random random;
    private long nextId = 1;

    /**
     * The next page-number answer reports its total off by this much (a lying total), then the
     * truth again.
     */
    private long totalLie;

    /** Every page-number answer reports its total off by this much (a total that always lies). */
    private long alwaysLie;

    /** The most records a page holds, whatever the client asks for (a hidden maximum page size). */
    private int servesAtMost = Integer.MAX_VALUE;

    ModelListApi(long start, long end, boolean desc, long seed) {
        this.start = start;
        this.end = end;
        this.desc = desc;
        this.random = new Random(seed);
    }

    /** Adds {@code n} records at random times of the window. */
    ModelListApi fill(int n) {
        for (int i = 0; i < n; i++) add(start + (long) (random.nextDouble() * (end - start)));
        return this;
    }

    long add(long time) {
        long id = nextId++;
        timeById.put(id, time);
        return id;
    }

    /** Moves {@code n} random records of the window to a time after it, as updates do. */
    void moveOut(int n) {
        List<Long> inWindow = ids();
        for (int i = 0; i < n && !inWindow.isEmpty(); i++) {
            timeById.put(inWindow.remove(random.nextInt(inWindow.size())), end + 1_000);
        }
    }

    void lieAboutTotalOnce(long by) {
        this.totalLie = by;
    }

    void lieAboutTotalAlways(long by) {
        this.alwaysLie = by;
    }

    /** Pages then hold at most {@code n} records, numbered by that size; the client is not told. */
    ModelListApi servesAtMost(int n) {
        this.servesAtMost = n;
        return this;
    }

    /** The ids in the window now, in sort order. */
    List<Long> ids() {
        List<Long> ids = new ArrayList<>();
        sorted().forEach(e -> ids.add(e.getKey()));
        return ids;
    }

    private List<Map.Entry<Long, Long>> sorted() {
        Comparator<Map.Entry<Long, Long>> byTime = Comparator.comparing(Map.Entry::getValue);
        if (desc) byTime = byTime.reversed();
        return timeById.entrySet().stream()
                .filter(e -> e.getValue() >= start && e.getValue() < end)
                .sorted(byTime.thenComparing(Map.Entry::getKey))
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .toList();
    }

    ObjectNode page(int index, int pageSize) {
        int size = Math.min(pageSize, servesAtMost);
        return slice((long) index * size, size);
    }

    /**
     * Offset/limit: at most {@code limit} records (or what the platform serves) from {@code
     * offset}.
     */
    ObjectNode offsetPage(long offset, int limit) {
        return slice(offset, Math.min(limit, servesAtMost));
    }

    private ObjectNode slice(long offset, int size) {
        List<Map.Entry<Long, Long>> all = sorted();
        int from = (int) Math.min(all.size(), offset);
        ObjectNode body = render(all.subList(from, Math.min(all.size(), from + size)));
        body.put("total", all.size() + totalLie + alwaysLie)
                .put("hasNext", from + size < all.size())
                .put("isLastData", from + size >= all.size());
        totalLie = 0;
        return body;
    }

    ObjectNode cursorPage(String cursor, int pageSize) {
        List<Map.Entry<Long, Long>> all = sorted();
        int from = 0;
        if (!cursor.isEmpty()) {
            String[] key = cursor.split("_");
            from = firstAfter(all, Long.parseLong(key[0]), Long.parseLong(key[1]), false);
        }
        List<Map.Entry<Long, Long>> page = all.subList(from, Math.min(all.size(), from + pageSize));
        ObjectNode body = render(page);
        boolean more = from + page.size() < all.size();
        Map.Entry<Long, Long> last = page.isEmpty() ? null : page.get(page.size() - 1);
        body.put("cursor", more ? last.getValue() + "_" + last.getKey() : "nomore");
        return body;
    }

    /**
     * Records at or after ({@code inclusive}) the key, in sort order: an inclusive API the client
     * must dedupe.
     */
    ObjectNode keysetPage(long time, String id, int pageSize) {
        List<Map.Entry<Long, Long>> all = sorted();
        int from = firstAfter(all, time, id.isEmpty() ? Long.MIN_VALUE : Long.parseLong(id), true);
        return render(all.subList(from, Math.min(all.size(), from + pageSize)));
    }

    private int firstAfter(
            List<Map.Entry<Long, Long>> all, long time, long id, boolean sameTimeIncluded) {
        for (int i = 0; i < all.size(); i++) {
            long t = all.get(i).getValue();
            int byTime = desc ? Long.compare(time, t) : Long.compare(t, time);
            if (byTime > 0 || (byTime == 0 && (sameTimeIncluded || all.get(i).getKey() > id)))
                return i;
        }
        return all.size();
    }

    private static ObjectNode render(List<Map.Entry<Long, Long>> records) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        records.forEach(e -> items.addObject().put("id", e.getKey()).put("t", e.getValue()));
        return body;
    }
}
