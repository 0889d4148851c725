package io.httpsync.contacts.plan;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Strongly connected components by Tarjan's algorithm, iterative: the depth-first search keeps its
 * own stack of (node, next edge) frames, so a chain of 10,000 leaders cannot overflow the thread's
 * stack. Stateless.
 */
@Internal
public final class Tarjan {
    private Tarjan() {}

    /**
     * The components of the graph whose node {@code v} has the edges {@code successors[v]} (to node
     * indexes in {@code [0, successors.length)}), in the order Tarjan's algorithm completes them:
     * every component comes after each component it has an edge to. With edges pointing from a
     * dependent to what it depends on, that is dependencies first. Each component lists its nodes
     * in ascending order.
     */
    public static List<int[]> components(int[][] successors) {
        int n = successors.length;
        int[] index = new int[n];
        int[] low = new int[n];
        int[] nextEdge = new int[n];
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int[] frames = new int[n];
        Arrays.fill(index, -1);
        int counter = 0;
        int sp = 0;
        List<int[]> out = new ArrayList<>();
        for (int start = 0; start < n; start++) {
            if (index[start] != -1) continue;
            int fp = 0;
            index[start] = low[start] = counter++;
            stack[sp++] = start;
            onStack[start] = true;
            frames[fp++] = start;
            while (fp > 0) {
                int v = frames[fp - 1];
                if (nextEdge[v] < successors[v].length) {
                    int w = successors[v][nextEdge[v]++];
                    if (index[w] == -1) {
                        index[w] = low[w] = counter++;
                        stack[sp++] = w;
                        onStack[w] = true;
                        frames[fp++] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                fp--;
                if (low[v] == index[v]) {
                    int from = sp;
                    do {
                        from--;
                    } while (stack[from] != v);
                    int[] component = Arrays.copyOfRange(stack, from, sp);
                    for (int w : component) onStack[w] = false;
                    sp = from;
                    Arrays.sort(component);
                    out.add(component);
                }
                if (fp > 0) {
                    int parent = frames[fp - 1];
                    low[parent] = Math.min(low[parent], low[v]);
                }
            }
        }
        return out;
    }
}
