import { Anchor, type AnchorProps } from "@mantine/core";
import { createLink, type LinkComponent } from "@tanstack/react-router";
import { forwardRef, type AnchorHTMLAttributes } from "react";

// Mantine's Anchor rendered as a router link: a real <a href>, typed `to`/`params`/`search`.
type AnchorBaseProps = AnchorProps & AnchorHTMLAttributes<HTMLAnchorElement>;

const AnchorBase = forwardRef<HTMLAnchorElement, AnchorBaseProps>((props, ref) => (
  <Anchor ref={ref} {...props} />
));
AnchorBase.displayName = "AnchorBase";

const CreatedAnchorLink = createLink(AnchorBase);

export const AnchorLink: LinkComponent<typeof AnchorBase> = (props) => (
  <CreatedAnchorLink {...props} />
);
