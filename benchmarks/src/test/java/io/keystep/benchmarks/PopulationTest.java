package io.keystep.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PopulationTest {

    @Test
    void everyNumberIsDistinctAndNoNumberRangeHoldsMoreThanDeliveryAllows() {
        Set<String> numbers = new HashSet<>();
        Map<String, Integer> perRange = new HashMap<>();
        for (int n = 0; n < Population.CAPACITY; n++) {
            String phone = Population.phone(n);
            assertTrue(phone.matches("\\+1[2-9][0-9]{2}[2-9][0-9]{6}"), phone);
            assertTrue(numbers.add(phone), "handed out twice: " + phone);
            // delivery-service's number range: the first five national digits
            perRange.merge(phone.substring(2, 7), 1, Integer::sum);
        }
        int fullest = perRange.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertEquals(Population.PER_RANGE, fullest);
        assertTrue(fullest < 50, "below delivery-service's 50 sends per number range and hour");
    }

    @Test
    void aTenantHoldsAtMostFiveHundredPeopleAndAnAddressAtMostTwentyFive() {
        Population people = new Population("run1");
        Map<String, Integer> perTenant = new HashMap<>();
        Map<String, Integer> perAddress = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            perTenant.merge(people.tenant("login", i), 1, Integer::sum);
            perAddress.merge(Population.address(i), 1, Integer::sum);
        }
        assertEquals(500, perTenant.values().stream().mapToInt(Integer::intValue).max().orElseThrow());
        assertEquals(25, perAddress.values().stream().mapToInt(Integer::intValue).max().orElseThrow());
        assertTrue(perTenant.keySet().stream().allMatch(t -> t.matches("[A-Za-z0-9._-]{1,64}")),
                "tenant ids pass the platform's tenant id rule");
    }

    @Test
    void numbersAreNeverHandedOutTwiceAndRunningOutIsAnError() {
        Population people = new Population("run2");
        assertEquals(0, people.allocate(10));
        assertEquals(10, people.allocate(5));
        assertTrue(people.canAllocate(Population.CAPACITY - 15));
        assertFalse(people.canAllocate(Population.CAPACITY - 14));
        assertThrows(IllegalStateException.class, () -> people.allocate(Population.CAPACITY));
    }
}
