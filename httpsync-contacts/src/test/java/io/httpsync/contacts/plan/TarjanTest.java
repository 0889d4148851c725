package io.httpsync.contacts.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TarjanTest {
    @Test
    void aChainOfAHundredThousandNodesIsSolvedWithoutRecursionDependenciesFirst() {
        int n = 100_000;
        int[][] chain = new int[n][];
        for (int i = 0; i < n; i++) chain[i] = i + 1 < n ? new int[] {i + 1} : new int[0];

        List<int[]> components = Tarjan.components(chain);

        assertThat(components).hasSize(n);
        assertThat(components.get(0)).containsExactly(n - 1);
        assertThat(components.get(n - 1)).containsExactly(0);
    }

    @Test
    void aLoopOfAHundredThousandNodesIsOneComponent() {
        int n = 100_000;
        int[][] loop = new int[n][];
        for (int i = 0; i < n; i++) loop[i] = new int[] {(i + 1) % n};

        assertThat(Tarjan.components(loop))
                .singleElement()
                .satisfies(c -> assertThat(c).hasSize(n));
    }

    @Test
    void componentsComeAfterTheComponentsTheyPointTo() {
        // 0 -> {1,2} loop, 1 <-> 2, 2 -> 3, 3 alone
        int[][] g = {{1}, {2}, {1, 3}, {}};
        List<int[]> components = Tarjan.components(g);
        assertThat(components).hasSize(3);
        assertThat(components.get(0)).containsExactly(3);
        assertThat(components.get(1)).containsExactly(1, 2);
        assertThat(components.get(2)).containsExactly(0);
    }
}
