package io.keystep.kit.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import org.jboss.resteasy.reactive.RestCookie;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestMatrix;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a constraint violation sits, in the client's words: a parameter by the name it has on the wire
 * ({@code @QueryParam("from")}, {@code @PathParam}, {@code @HeaderParam}..., also as a field of a
 * {@code @BeanParam}), a body field by its JSON name
 * ({@code @JsonProperty}), never the Java method or parameter name. It also gives the violation's place in the
 * request (parameter, then field declaration order), so that one answer lists its fields in a stable order.
 *
 * @param name  the dotted client name, for example {@code from} or {@code address.city}; {@code body} for a
 *              violation of a whole request body
 * @param place the parameter index, then each field's declaration index
 */
record ClientFieldNames(String name, List<Integer> place) {

    /** The client name and place of one violation. */
    static ClientFieldNames of(ConstraintViolation<?> violation) {
        List<String> names = new ArrayList<>();
        List<Integer> place = new ArrayList<>();
        Class<?> type = violation.getRootBeanClass();
        Method method = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.METHOD) {
                method = declaration(type, node.as(Path.MethodNode.class));
            } else if (node.getKind() == ElementKind.PARAMETER) {
                int index = node.as(Path.ParameterNode.class).getParameterIndex();
                place.add(index);
                String wire = method == null ? null : wireName(method.getParameterAnnotations()[index]);
                if (wire != null) {
                    names.add(wire.isEmpty() ? node.getName() : wire);
                }
                type = method == null ? null : method.getParameterTypes()[index];
            } else if (node.getKind() == ElementKind.PROPERTY && type != null) {
                place.add(declarationIndex(type, node.getName()));
                names.add(fieldName(type, node.getName()));
                type = propertyType(type, node.getName());
            } else if (node.getKind() == ElementKind.PROPERTY) {
                names.add(node.getName());
            }
            // Bean, container-element and cross-parameter nodes name no further field of the request.
        }
        return new ClientFieldNames(names.isEmpty() ? "body" : String.join(".", names), place);
    }

    /** The method as its class declared it (with its annotations), not as a generated subclass overrides it. */
    private static Method declaration(Class<?> type, Path.MethodNode node) {
        Class<?>[] parameters = node.getParameterTypes().toArray(Class<?>[]::new);
        Method found = null;
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                found = c.getDeclaredMethod(node.getName(), parameters);
            } catch (NoSuchMethodException notHere) {
                // declared further up, or only there
            }
        }
        return found;
    }

    /** The name a parameter has on the wire, or null for the body. */
    private static String wireName(Annotation[] annotations) {
        for (Annotation a : annotations) {
            String name = a instanceof PathParam p ? p.value()
                    : a instanceof QueryParam q ? q.value()
                    : a instanceof HeaderParam h ? h.value()
                    : a instanceof FormParam f ? f.value()
                    : a instanceof CookieParam c ? c.value()
                    : a instanceof MatrixParam m ? m.value()
                    : a instanceof RestPath p ? p.value()
                    : a instanceof RestQuery q ? q.value()
                    : a instanceof RestHeader h ? h.value()
                    : a instanceof RestForm f ? f.value()
                    : a instanceof RestCookie c ? c.value()
                    : a instanceof RestMatrix m ? m.value()
                    : null;
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    /** A field's name as sent: its parameter name in a parameter container ({@code @BeanParam}), else its JSON name. */
    private static String fieldName(Class<?> type, String property) {
        Field field = field(type, property);
        if (field == null) {
            return property;
        }
        String wire = wireName(field.getAnnotations());
        if (wire != null && !wire.isEmpty()) {
            return wire;
        }
        JsonProperty json = field.getAnnotation(JsonProperty.class);
        return json == null || json.value().isEmpty() ? property : json.value();
    }

    private static Class<?> propertyType(Class<?> type, String property) {
        Field field = field(type, property);
        return field == null ? null : field.getType();
    }

    /** A field's position in its class: record components in their order, other fields as declared. */
    private static int declarationIndex(Class<?> type, String property) {
        if (type.isRecord()) {
            RecordComponent[] components = type.getRecordComponents();
            for (int i = 0; i < components.length; i++) {
                if (components[i].getName().equals(property)) {
                    return i;
                }
            }
        }
        Field[] fields = type.getDeclaredFields();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].getName().equals(property)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static Field field(Class<?> type, String property) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(property);
            } catch (NoSuchFieldException notHere) {
                // maybe inherited
            }
        }
        return null;
    }
}
