package dev.ctxtestkit.runtime.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin on a plain {@link ServerSocket} whose every connection is served by a {@link Behavior} that can misbehave
 * as the tests need: answer garbage, stall, reset mid-body. It counts connections: {@link #openConnections()} is how many
 * the worker side has not closed yet (a connection the origin closes or resets itself no longer counts), so a test can
 * show that no outbound connection leaks.
 */
final class RawOrigin implements AutoCloseable {
    /** What the origin does on one connection. Return normally to wait for the peer to close the connection. */
    @FunctionalInterface
    interface Behavior {
        void serve(Connection connection) throws IOException;
    }

    /** Well-behaved: answers every request on the connection with {@code 200 ok} (keep-alive), reading its body. */
    static final Behavior OK = connection -> {
        while (connection.readRequest() != null) {
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    };

    /** Reads the request and never answers. */
    static final Behavior STALL = connection -> connection.readRequestHead();

    /** Answers something that is not HTTP. */
    static final Behavior GARBAGE = connection -> {
        connection.readRequest();
        connection.write("SPDY/9 what is this\r\n\r\n");
    };

    /** Reads the request head and 1,000 bytes of its body, then resets the connection (RST). */
    static final Behavior RESET_MID_REQUEST_BODY = connection -> {
        connection.readRequestHead();
        connection.in.readNBytes(1_000);
        connection.reset();
    };

    private final ServerSocket server;
    private final Behavior behavior;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    RawOrigin(Behavior behavior) throws IOException {
        this.behavior = behavior;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "raw-origin-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections that the worker side has not closed yet. */
    int openConnections() {
        return open.get();
    }

    /** The request heads received, as text. */
    List<String> requestHeads() {
        return requestHeads;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            open.incrementAndGet();
            sockets.add(socket);
            Thread thread = new Thread(() -> serve(socket), "raw-origin-conn-" + accepted.get());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void serve(Socket socket) {
        Connection connection;
        try {
            connection = new Connection(socket);
        } catch (IOException e) {
            open.decrementAndGet();
            return;
        }
        try {
            behavior.serve(connection);
            if (!connection.closedHere) {
                // Wait for the worker side to close: a connection it never closes stays counted as open.
                while (connection.in.read() >= 0) {
                    // discard
                }
            }
        } catch (IOException e) {
            // the peer reset or closed the connection, or close() below
        } finally {
            open.decrementAndGet();
            sockets.remove(socket);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Stops accepting, closes every connection and waits (bounded) for the origin's own threads to end. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        acceptor.join(5_000);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
    }

    /** One accepted connection. */
    final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        private boolean closedHere;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Reads a request head; null when the peer closed the connection before sending one. */
        String readRequestHead() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    if (head.size() == 0) {
                        return null;
                    }
                    throw new EOFException("closed inside a request head");
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(ISO_8859_1);
            requestHeads.add(text);
            return text;
        }

        /** Reads a request head and its whole body (Content-Length or chunked); null at the end of the connection. */
        String readRequest() throws IOException {
            String head = readRequestHead();
            if (head == null) {
                return null;
            }
            String lower = head.toLowerCase(Locale.ROOT);
            if (lower.contains("\r\ntransfer-encoding: chunked")) {
                while (true) {
                    int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
                    if (size == 0) {
                        while (!readLine().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    in.readNBytes(size);
                    readLine();
                }
            } else {
                int at = lower.indexOf("\r\ncontent-length:");
                if (at >= 0) {
                    int end = lower.indexOf("\r\n", at + 2);
                    long length = Long.parseLong(lower.substring(at + "\r\ncontent-length:".length(), end).trim());
                    in.skipNBytes(length);
                }
            }
            return head;
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(ISO_8859_1));
            out.flush();
        }

        /** Closes with a TCP reset (linger 0). */
        void reset() throws IOException {
            try {
                socket.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // already closed
            }
            closedHere = true;
            socket.close();
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int previous = -1;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("closed inside a line");
                }
                if (previous == '\r' && b == '\n') {
                    byte[] bytes = line.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, ISO_8859_1);
                }
                line.write(b);
                previous = b;
            }
        }
    }
}
