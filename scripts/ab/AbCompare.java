import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of clayers in one JVM, each in its own class loader, timed in alternating slices of
 * a few hundred milliseconds: the machine's swings (tens of per cent from one minute to the next
 * on a shared 2-core host) fall on both alike, so the ratio of their medians shows a change of a
 * few per cent that runs minutes apart cannot. Each build is compiled by the JIT on its own, as in
 * its own process. See scripts/ab-compare.sh.
 *
 * <p>Arguments: workDir jarA jarB device rounds sliceMs warmupMs spec...
 */
public final class AbCompare {
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String[] jars = {args[1], args[2]};
        String device = args[3];
        int rounds = Integer.parseInt(args[4]);
        long slice = Long.parseLong(args[5]) * 1_000_000L, warm = Long.parseLong(args[6]) * 1_000_000L;
        List<String> specs = Arrays.asList(args).subList(7, args.length);
        int w = specs.size();
        Runnable[][] calls = new Runnable[2][w];
        double[][] units = new double[2][w];
        String[] unit = new String[w];
        // PROPS_A / PROPS_B: system properties (k=v, space-separated) in force while that side's
        // classes initialise (each build has its own statics): the same jar twice with different
        // tunables compares the tunables.
        String[] props = {System.getenv().getOrDefault("PROPS_A", ""), System.getenv().getOrDefault("PROPS_B", "")};
        for (int v = 0; v < 2; v++) {
            java.util.Map<String, String> saved = setProperties(props[v]);
            URLClassLoader loader = new URLClassLoader(new URL[] {work.resolve(v == 0 ? "a" : "b").toUri().toURL(), Path.of(jars[v]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> c = loader.loadClass("AbWork");
            for (int s = 0; s < w; s++) {
                Object[] o = (Object[]) c.getMethod("make", String.class, String.class).invoke(null, specs.get(s), device);
                calls[v][s] = (Runnable) o[0];
                units[v][s] = (Double) o[1];
                unit[s] = (String) o[2];
                calls[v][s].run();   // its classes initialise now, under this side's properties
            }
            saved.forEach((k, old) -> {
                if (old == null) System.clearProperty(k);
                else System.setProperty(k, old);
            });
        }
        // Warm-up, alternating too, so neither build's JIT gets the quieter minute.
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < warm; ) {
            for (int v = 0; v < 2; v++) for (int s = 0; s < w; s++) timeSlice(calls[v][s], slice / 4);
        }
        double[][][] rate = new double[w][2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < w; s++) {
                for (int i = 0; i < 2; i++) {
                    int v = r % 2 == 0 ? i : 1 - i;        // A first in even rounds, B first in odd ones
                    double[] callsSeconds = timeSlice(calls[v][s], slice);
                    rate[s][v][r] = callsSeconds[0] * units[v][s] / callsSeconds[1];
                }
            }
            System.err.printf("\rround %d/%d", r + 1, rounds);
        }
        System.err.println();
        System.out.printf(Locale.ROOT, "A = %s%s%nB = %s%s%ndevice %s, %d rounds of %d ms slices, medians [min-max]%n", jars[0],
                props[0].isBlank() ? "" : " with " + props[0].trim(), jars[1], props[1].isBlank() ? "" : " with " + props[1].trim(), device, rounds,
                slice / 1_000_000);
        for (int s = 0; s < w; s++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = rate[s][0][r] / rate[s][1][r];
            System.out.printf(Locale.ROOT, "%-24s A %s  B %s  %s  A/B %s%n", specs.get(s), spread(rate[s][0]), spread(rate[s][1]), unit[s],
                    spread(ratio));
        }
        System.exit(0);   // the backends' worker threads
    }

    /** Sets each {@code k=v} of the space-separated list; returns the values they replaced (null: unset). */
    private static java.util.Map<String, String> setProperties(String list) {
        java.util.Map<String, String> saved = new java.util.HashMap<>();
        for (String kv : list.trim().split("\\s+")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("PROPS_A/PROPS_B: '" + kv + "' is not key=value");
            String k = kv.substring(0, eq);
            saved.putIfAbsent(k, System.getProperty(k));
            System.setProperty(k, kv.substring(eq + 1));
        }
        return saved;
    }

    /** Calls r for at least {@code nanos}: {calls, seconds}. */
    private static double[] timeSlice(Runnable r, long nanos) {
        long t0 = System.nanoTime(), t;
        long n = 0;
        do {
            r.run();
            n++;
        } while ((t = System.nanoTime()) - t0 < nanos);
        return new double[] {n, (t - t0) / 1e9};
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.4g [%.4g-%.4g]", s[s.length / 2], s[0], s[s.length - 1]);
    }
}
