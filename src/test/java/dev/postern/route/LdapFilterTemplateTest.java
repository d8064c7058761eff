package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Placeholders of an LDAP filter expanded in one pass, every value RFC 4515-escaped. */
class LdapFilterTemplateTest {

    @Test
    void placeholdersInsideALoginAreNotExpandedAgain() {
        LdapFilterTemplate template = new LdapFilterTemplate("(&(uid=%u)(cn=%l)(o=%d))");
        assertEquals("(&(uid=alice%d@example.org)(cn=alice%d)(o=example.org))",
                template.expand("alice%d@example.org"));
        assertEquals("(&(uid=%u%l@%d)(cn=%u%l)(o=%d))", template.expand("%u%l@%d"));
        assertEquals("(&(uid=bob%s)(cn=bob%s)(o=))", template.expand("bob%s"));
    }

    @Test
    void everyValueIsEscapedAndTheRestOfTheFilterKept() {
        LdapFilterTemplate template = new LdapFilterTemplate("(&(uid=%u)(cn=%l)(o=%d)(x=100%)(y=%q))");
        assertEquals("(&(uid=\\2a\\29\\28uid=\\2a@ex\\5c)(cn=\\2a\\29\\28uid=\\2a)(o=ex\\5c)(x=100%)(y=%q))",
                template.expand("*)(uid=*@ex\\"));
    }

    @Test
    void theDomainIsAfterTheLastAt() {
        assertEquals("(m=a@b)(d=c)", new LdapFilterTemplate("(m=%l)(d=%d)").expand("a@b@c"));
    }

    @Test
    void clientAddressIsEscapedLikeTheRest() {
        LdapFilterTemplate template = new LdapFilterTemplate("(&(uid=%u)(allowedFrom=%r))");
        assertEquals("(&(uid=a)(allowedFrom=192.0.2.7))", template.expand("a", "192.0.2.7"));
        assertEquals("(&(uid=a)(allowedFrom=2001:db8::7))", template.expand("a", "2001:db8::7"));
        assertEquals("(&(uid=a)(allowedFrom=))", template.expand("a"), "a refresh has no client");
        assertEquals("(&(uid=%r)(allowedFrom=x\\2a))", template.expand("%r", "x*"));
    }
}
