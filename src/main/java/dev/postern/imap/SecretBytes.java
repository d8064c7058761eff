package dev.postern.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Holders for octets that may carry a password, so that they can be overwritten once used ("where Java allows":
 * a {@code String} or a copy the JDK makes cannot be). A growing buffer is sized up front, since each growth
 * would leave an unwiped copy behind.
 */
public final class SecretBytes {
    private SecretBytes() {
    }

    /** A buffer over {@code bytes} (not copied) that zeroes them when it is released, after the write. */
    public static ByteBuf wrap(byte[] bytes) {
        return new WipedOnRelease(bytes);
    }

    /** Zeroes {@code length} octets of {@code buf} from {@code index}, unless the buffer is read-only. */
    public static void zero(ByteBuf buf, int index, int length) {
        if (length > 0 && !buf.isReadOnly()) {
            buf.setZero(index, length);
        }
    }

    /** A byte stream whose internal array can be wiped. */
    public static final class Buffer extends ByteArrayOutputStream {
        public Buffer(int expectedSize) {
            super(expectedSize);
        }

        /** The octets written so far, in a new array; this buffer is wiped. */
        public byte[] take() {
            byte[] out = toByteArray();
            wipe();
            return out;
        }

        public void wipe() {
            Arrays.fill(buf, (byte) 0);
            reset();
        }
    }

    private static final class WipedOnRelease extends UnpooledHeapByteBuf {
        WipedOnRelease(byte[] bytes) {
            super(ByteBufAllocator.DEFAULT, bytes, bytes.length);
        }

        @Override
        protected void freeArray(byte[] array) {
            Arrays.fill(array, (byte) 0);
        }
    }
}
