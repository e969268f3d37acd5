package io.keystep.docs;

import io.keystep.events.BusAccess;
import io.keystep.events.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The event bus table of {@code docs/security.md} says exactly what {@link BusAccess} grants. */
class BusAccessTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| (.*?) \\| (.*?) \\| (.*?) \\|$",
            Pattern.MULTILINE);
    private static final Pattern NAME = Pattern.compile("`([^`]+)`");

    @Test
    void theTableOfTheSecurityPageIsTheAclTable() throws IOException {
        String page = Files.readString(Path.of("security.md"));
        String section = page.substring(page.indexOf("## Who may use the event bus"),
                page.indexOf("## ", page.indexOf("## Who may use the event bus") + 3));
        Map<String, String[]> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            rows.put(row.group(1), new String[] {row.group(2), row.group(3), row.group(4)});
        }
        assertEquals(Set.copyOf(BusAccess.principals()), rows.keySet(), "one row per principal");
        for (BusAccess.Grant grant : BusAccess.GRANTS) {
            String[] documented = rows.get(grant.principal());
            assertEquals(grant.writes(), names(documented[0]), grant.principal() + " writes");
            assertEquals(grant.reads(), reads(documented[1]), grant.principal() + " reads");
            Set<String> groups = new HashSet<>();
            for (String group : names(documented[2])) {
                assertEquals(grant.groupsByPrefix(), group.endsWith("*"), grant.principal() + " group " + group);
                groups.add(group.replace("*", ""));
            }
            assertEquals(grant.groups(), groups, grant.principal() + " groups");
        }
    }

    private static Set<String> reads(String cell) {
        String everyTopic = "every platform topic and every `.dlq`";
        if (cell.startsWith(everyTopic)) {
            Set<String> all = new HashSet<>();
            Topics.ALL.forEach(topic -> {
                all.add(topic);
                all.add(Topics.deadLetter(topic));
            });
            // and any topic the cell names after that, such as one read back without a group
            all.addAll(names(cell.substring(everyTopic.length())));
            return all;
        }
        return names(cell);
    }

    private static Set<String> names(String cell) {
        Set<String> names = new HashSet<>();
        Matcher name = NAME.matcher(cell);
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }
}
