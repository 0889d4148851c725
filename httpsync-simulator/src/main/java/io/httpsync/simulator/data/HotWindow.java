package io.httpsync.simulator.data;

/**
 * A period in which many more records were created than elsewhere (a sales event), so that a time
 * window covering it holds more records than a platform lets a client page through.
 *
 * @param startAgoMillis how long before "now" the hot period starts
 * @param widthMillis its width
 * @param records how many records fall into it (in addition to the evenly spread ones)
 */
public record HotWindow(long startAgoMillis, long widthMillis, int records) {
    public HotWindow {
        if (widthMillis <= 0 || records < 0 || startAgoMillis < widthMillis) {
            throw new IllegalArgumentException(
                    "hot window must lie in the past and have a positive width: " + this);
        }
    }
}
