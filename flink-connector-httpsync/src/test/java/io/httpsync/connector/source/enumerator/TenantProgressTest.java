package io.httpsync.connector.source.enumerator;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TenantProgressTest {

    @Test
    void positionAdvancesOnlyOverTheContiguousPrefix() {
        TenantProgress progress = new TenantProgress("t", 0);

        assertThat(progress.commit(20, 30)).isFalse();
        assertThat(progress.commit(10, 20)).isFalse();
        assertThat(progress.syncPositionMillis()).isZero();
        assertThat(progress.snapshot().committedBeyondPosition())
                .containsExactly(new TimeRange(10, 30));

        assertThat(progress.commit(0, 10)).isTrue();
        assertThat(progress.syncPositionMillis()).isEqualTo(30);
        assertThat(progress.snapshot().committedBeyondPosition()).isEmpty();
    }

    @Test
    void repeatedAndOverlappingCommitsKeepRangesDisjoint() {
        TenantProgress progress = new TenantProgress("t", 0);

        progress.commit(50, 60);
        progress.commit(50, 60);
        progress.commit(55, 80);
        progress.commit(90, 100);
        progress.commit(40, 50);

        assertThat(progress.snapshot().committedBeyondPosition())
                .containsExactly(new TimeRange(40, 80), new TimeRange(90, 100));
        assertThat(progress.commit(0, 40)).isTrue();
        assertThat(progress.syncPositionMillis()).isEqualTo(80);
        assertThat(progress.commit(10, 20)).isFalse();
    }

    @Test
    void anyCommitOrderEndsAtTheSamePosition() {
        List<long[]> windows = new ArrayList<>();
        for (long start = 0; start < 1000; start += 37) {
            windows.add(new long[] {start, Math.min(start + 37, 1000)});
        }
        Collections.shuffle(windows, new Random(3));
        TenantProgress progress = new TenantProgress("t", 0);
        long previous = 0;

        for (long[] window : windows) {
            progress.commit(window[0], window[1]);
            assertThat(progress.syncPositionMillis()).isGreaterThanOrEqualTo(previous);
            previous = progress.syncPositionMillis();
        }

        assertThat(progress.syncPositionMillis()).isEqualTo(1000);
    }

    @Test
    void restoresFromItsSnapshot() {
        TenantProgress progress = new TenantProgress("t", 0);
        progress.commit(0, 10);
        progress.commit(20, 30);
        progress.planned(50);

        TenantProgress restored = TenantProgress.restore(progress.snapshot());

        assertThat(restored.snapshot()).isEqualTo(progress.snapshot());
        assertThat(restored.commit(10, 20)).isTrue();
        assertThat(restored.syncPositionMillis()).isEqualTo(30);
    }
}
