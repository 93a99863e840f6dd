package dev.clayers.io;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The contents of a safetensors file: string metadata and tensors, both in file order.
 *
 * @param metadata the {@code __metadata__} entries, in header order (empty when absent); unmodifiable
 * @param tensors  tensors in header order, names unique; unmodifiable
 */
public record SafetensorsFile(Map<String, String> metadata, List<Tensor> tensors) {
    /**
     * Copies the metadata and tensor list into unmodifiable ones.
     *
     * @throws IllegalArgumentException on a null metadata key or value, or two tensors of one name
     */
    public SafetensorsFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata == null ? Map.of() : metadata));
        metadata.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException("metadata keys and values must not be null: " + key + "=" + value);
            }
        });
        tensors = List.copyOf(tensors);
        Set<String> names = new HashSet<>();
        for (Tensor t : tensors) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
        }
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws NoSuchElementException naming the tensors there are, when there is none by that name
     */
    public Tensor tensor(String name) {
        for (Tensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new NoSuchElementException("no tensor '" + name + "'; the file has "
                + tensors.stream().map(Tensor::name).toList());
    }
}
