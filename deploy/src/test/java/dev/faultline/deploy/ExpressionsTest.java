package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reading of PromQL the query test relies on: metric names found, Grafana variables substituted. */
class ExpressionsTest {
    @Test
    void metricNamesSkipFunctionsLabelsStringsRangesAndNumbers() {
        assertThat(Expressions.metricNames("histogram_quantile(0.99, sum by (route, le) "
                + "(rate(proxy_requests_seconds_bucket{route=~\"/status|x_y\"}[5m])))"))
                .containsExactly("proxy_requests_seconds_bucket");
        assertThat(Expressions.metricNames("slo:proxy_errors:ratio_rate1h > (14.4 * 0.005) and "
                + "slo:proxy_errors:ratio_rate5m > 1e-3"))
                .containsExactly("slo:proxy_errors:ratio_rate1h", "slo:proxy_errors:ratio_rate5m");
        assertThat(Expressions.metricNames("max by (name) (a_b{state=\"open\"}) * 2 + on (name) group_left (x) "
                + "c_d offset 5m or vector(0) unless up == bool 1"))
                .containsExactly("a_b", "c_d", "up");
        assertThat(Expressions.metricNames("count by (job) (up == 1) and on (job) count without (instance) (up)"))
                .containsExactly("up");
    }

    @Test
    void variablesAreSubstitutedAsGrafanaWouldForAll() {
        Map<String, String> vars = Map.of("__rate_interval", "10s", "__range", "60s", "route", ".*", "r", "x");
        assertThat(Expressions.substitute("rate(m{route=~\"$route\", a=\"$r\"}[$__rate_interval]) "
                + "/ increase(m[${__range}]) + [[route]]", vars))
                .isEqualTo("rate(m{route=~\".*\", a=\"x\"}[10s]) / increase(m[60s]) + .*");
        assertThat(Expressions.unresolved("rate(m{a=\"$left\"}[${over}]) [[too]]")).containsExactly("left", "over", "too");
        assertThat(Expressions.unresolved("rate(m[10s])")).isEmpty();
    }
}
