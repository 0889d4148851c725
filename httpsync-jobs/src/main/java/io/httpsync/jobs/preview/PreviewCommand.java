package io.httpsync.jobs.preview;

import io.httpsync.connector.source.DescriptionPreview;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code preview (--config job.properties | --options file) [--tenant id] [--from t --to t]
 * [--pages 3]}: tries the description against the platform, one tenant, one window, a few pages,
 * without Flink ({@link DescriptionPreview}). Exit code 0 if the description read the pages, 1 with
 * a line {@code PREVIEW FAILED: <what, naming the option>} otherwise.
 */
public final class PreviewCommand {
    private static final List<String> ARGS =
            List.of("config", "options", "tenant", "from", "to", "pages");

    private PreviewCommand() {}

    /** Runs the command; returns its exit code. */
    public static int run(Map<String, String> args, PrintStream out) throws Exception {
        DescriptionPreview preview;
        try {
            SourceDescription.onlyKnown("preview", args, ARGS);
            preview =
                    DescriptionPreview.of(SourceDescription.read("preview", args))
                            .tenant(args.get("tenant"))
                            .window(
                                    SourceDescription.instant(args, "from"),
                                    SourceDescription.instant(args, "to"))
                            .pages(pages(args.get("pages")));
        } catch (IllegalArgumentException e) {
            out.println("PREVIEW FAILED: " + e.getMessage());
            return 1;
        }
        return preview.run(out).ok() ? 0 : 1;
    }

    private static int pages(String text) {
        if (text == null) return DescriptionPreview.DEFAULT_PAGES;
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--pages '" + text + "' is not a number of pages");
        }
    }
}
