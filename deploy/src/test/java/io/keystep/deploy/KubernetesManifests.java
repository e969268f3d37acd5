package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every document of every file in {@code deploy/kubernetes}, for the tests that check the manifests. */
final class KubernetesManifests {

    private KubernetesManifests() {
    }

    static List<JsonNode> documents(Path deploy, ObjectMapper yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(deploy.resolve("kubernetes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        if (doc != null && !doc.isEmpty()) {
                            documents.add(doc);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the manifests", e);
        }
        return documents;
    }
}
