package io.httpsync.contacts.fetch;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Locale;

/** The platforms whose contacts a sync reads. */
@PublicEvolving
public enum ContactsPlatform {
    WECOM(ContactsEndpoints.WECOM_GATEWAY),
    DINGTALK(ContactsEndpoints.DINGTALK_GATEWAY),
    FEISHU(ContactsEndpoints.FEISHU_GATEWAY);

    private final String gateway;

    ContactsPlatform(String gateway) {
        this.gateway = gateway;
    }

    /** The platform's public API gateway. */
    public String gateway() {
        return gateway;
    }

    /**
     * The lower-case name used in configuration and in the simulator's paths: wecom, dingtalk,
     * feishu.
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The platform named {@code wecom}, {@code dingtalk} or {@code feishu} (any case). */
    public static ContactsPlatform of(String name) {
        for (ContactsPlatform p : values()) {
            if (p.id().equalsIgnoreCase(name.trim())) return p;
        }
        throw new IllegalArgumentException(
                "unknown contacts platform '" + name + "'; it is one of wecom, dingtalk, feishu");
    }
}
