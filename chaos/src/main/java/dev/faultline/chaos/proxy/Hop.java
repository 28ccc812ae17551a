package dev.faultline.chaos.proxy;

import io.netty.buffer.ByteBuf;

/** The next step of a link: another stage, or the sink that writes to the destination socket. */
interface Hop {
    void accept(ByteBuf data);

    void acceptEnd();
}
