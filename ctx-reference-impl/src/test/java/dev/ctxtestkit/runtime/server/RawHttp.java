package dev.ctxtestkit.runtime.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A raw HTTP/1.1 client on a plain {@link Socket}: sends exactly the bytes a test writes (malformed requests, absolute-form
 * targets, half bodies) and reads the answer as it is on the wire, framing headers included. Every read is bounded by the
 * socket timeout, so a server that never answers fails the test instead of hanging it.
 */
final class RawHttp implements AutoCloseable {
    static final int READ_TIMEOUT_MILLIS = 5_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean chunkDataEnded;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawHttp connect(URI server) throws IOException {
        return new RawHttp(new Socket(server.getHost(), server.getPort()));
    }

    /** Opens a connection, sends {@code request} (ISO-8859-1) and reads one whole response. */
    static Reply exchange(URI server, String request) throws IOException {
        try (RawHttp http = connect(server)) {
            http.send(request);
            return http.readResponse();
        }
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    Socket socket() {
        return socket;
    }

    /** Reads the status line and headers. */
    Head readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed after " + head.size() + " bytes of a response head: '" + head.toString(ISO_8859_1) + "'");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(ISO_8859_1).split("\r\n");
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
        }
        return new Head(lines[0], Integer.parseInt(lines[0].split(" ")[1]), headers);
    }

    /**
     * The next chunk of a chunked body, or {@code null} after the last (zero-size) chunk. The CRLF that ends a chunk's
     * data is consumed before the next size line, not right after the data: Jetty sends it together with the next chunk.
     */
    byte[] readChunk() throws IOException {
        if (chunkDataEnded) {
            String end = readLine();
            if (!end.isEmpty()) {
                throw new IOException("expected CRLF after chunk data, got '" + end + "'");
            }
            chunkDataEnded = false;
        }
        String sizeLine = readLine();
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
            while (!readLine().isEmpty()) {
                // trailers
            }
            return null;
        }
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
            throw new EOFException("the connection closed inside a chunk");
        }
        chunkDataEnded = true;
        return data;
    }

    /** Reads a whole response: head and body, following its framing; a body cut short is marked {@code truncated}. */
    Reply readResponse() throws IOException {
        Head head = readHead();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean truncated = false;
        String length = head.header("content-length");
        if (head.status() == 204 || head.status() == 304) {
            // no body
        } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            try {
                for (byte[] chunk = readChunk(); chunk != null; chunk = readChunk()) {
                    body.writeBytes(chunk);
                }
            } catch (EOFException | NumberFormatException e) {
                truncated = true;
            }
        } else if (length != null) {
            long expected = Long.parseLong(length);
            byte[] data = in.readNBytes((int) expected);
            body.writeBytes(data);
            truncated = data.length < expected;
        } else {
            body.writeBytes(in.readAllBytes());
        }
        return new Reply(head, body.toByteArray(), truncated);
    }

    /** Whether the server has closed the connection (reads EOF within the timeout). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed inside a line");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A status line and the header fields, in order, as sent. */
    record Head(String statusLine, int status, List<String[]> fields) {
        /** The first value of {@code name}, case-insensitively, or null. */
        String header(String name) {
            return fields.stream().filter(f -> f[0].equalsIgnoreCase(name)).map(f -> f[1]).findFirst().orElse(null);
        }

        List<String> names() {
            return fields.stream().map(f -> f[0].toLowerCase(Locale.ROOT)).toList();
        }
    }

    /** A whole response. */
    record Reply(Head head, byte[] body, boolean truncated) {
        int status() {
            return head.status();
        }

        String header(String name) {
            return head.header(name);
        }

        List<String> headerNames() {
            return head.names();
        }

        String bodyText() {
            return new String(body, UTF_8);
        }
    }
}
