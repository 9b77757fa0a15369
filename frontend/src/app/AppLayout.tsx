/** The shell: masthead (brand, transfers indicator, theme, help), sidebar navigation, main area. */
import { useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, useLocation, useNavigate, useNavigationType } from 'react-router-dom';
import {
  AboutModal,
  Badge,
  Button,
  Content,
  Dropdown,
  DropdownItem,
  DropdownList,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  MenuToggle,
  Nav,
  NavGroup,
  NavItem,
  NavList,
  Page,
  PageContext,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  ToggleGroup,
  ToggleGroupItem,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
  Tooltip,
} from '@patternfly/react-core';
import {
  BarsIcon,
  MoonIcon,
  OutlinedQuestionCircleIcon,
  SunIcon,
  ExchangeAltIcon,
  UploadIcon,
} from '@patternfly/react-icons';
import { appUrl } from '../api/base';
import { t } from '../i18n/strings';
import { useAppData } from './appData';
import { useTheme } from './theme';
import { isActive, useTransfers } from './transfers';
import { useUploads } from './uploads';

const MAIN_ID = 'odh-tec-main';

export function Logo() {
  return (
    <svg
      className="odh-tec-logo"
      viewBox="0 0 32 32"
      width="32"
      height="32"
      aria-hidden="true"
      focusable="false"
    >
      <rect width="32" height="32" rx="6" fill="#0066cc" />
      <path d="M8 11h16v3H8zm0 6h16v3H8zm0 6h10v3H8z" fill="#fff" />
      <circle cx="24" cy="7" r="3" fill="#f0ab00" />
    </svg>
  );
}

function TransfersIndicator() {
  const { jobs } = useTransfers();
  const uploads = useUploads();
  const navigate = useNavigate();
  const active = jobs.filter(isActive).length;
  const uploading = uploads.filter((u) => u.state === 'uploading' || u.state === 'queued').length;
  const label = t.masthead.transfersIndicator(active);
  return (
    <>
      {uploading > 0 && (
        <Tooltip content={t.uploads.button(uploading)}>
          <Button
            variant="plain"
            aria-label={t.uploads.button(uploading)}
            icon={<UploadIcon />}
            onClick={() => navigate('/browse')}
          >
            <Badge isRead={false}>{uploading}</Badge>
          </Button>
        </Tooltip>
      )}
      <Tooltip content={label}>
        <Button
          variant="plain"
          aria-label={label}
          icon={<ExchangeAltIcon />}
          onClick={() => navigate('/transfers')}
          data-testid="transfers-indicator"
        >
          {active > 0 && <Badge isRead={false}>{active}</Badge>}
        </Button>
      </Tooltip>
    </>
  );
}

function HelpMenu({ onAbout }: { onAbout: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <Dropdown
      isOpen={open}
      onOpenChange={setOpen}
      onSelect={() => setOpen(false)}
      popperProps={{ position: 'right' }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          variant="plain"
          aria-label={t.masthead.help}
          isExpanded={open}
          onClick={() => setOpen(!open)}
          icon={<OutlinedQuestionCircleIcon />}
        />
      )}
    >
      <DropdownList>
        <DropdownItem key="about" onClick={onAbout}>
          {t.masthead.about}
        </DropdownItem>
        <DropdownItem key="docs" to={appUrl('/api/docs')} target="_blank" rel="noopener noreferrer">
          {t.masthead.apiDocs}
        </DropdownItem>
      </DropdownList>
    </Dropdown>
  );
}

function Header({ onAbout }: { onAbout: () => void }) {
  const [theme, setTheme] = useTheme();
  return (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label={t.app.toggleNav}>
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component={(props: object) => <NavLink {...props} to="/browse" />}>
            <span className="odh-tec-brand">
              <Logo />
              <span className="odh-tec-brand-name">{t.app.name}</span>
            </span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: 'alignEnd' }} gap={{ default: 'gapMd' }} alignItems="center">
              <ToolbarItem>
                <TransfersIndicator />
              </ToolbarItem>
              <ToolbarItem>
                <ToggleGroup aria-label={t.masthead.themeLabel}>
                  <ToggleGroupItem
                    icon={<SunIcon />}
                    aria-label={t.masthead.light}
                    isSelected={theme === 'light'}
                    onChange={() => setTheme('light')}
                  />
                  <ToggleGroupItem
                    icon={<MoonIcon />}
                    aria-label={t.masthead.dark}
                    isSelected={theme === 'dark'}
                    onChange={() => setTheme('dark')}
                  />
                </ToggleGroup>
              </ToolbarItem>
              <ToolbarItem>
                <HelpMenu onAbout={onAbout} />
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );
}

function Sidebar() {
  const { pathname } = useLocation();
  const { isMobile, isSidebarOpen, onSidebarToggle } = useContext(PageContext);
  // Below the xl breakpoint the navigation is a drawer over the page: choosing a page closes it. (NavItem
  // hands its onClick to the link it wraps.)
  const close = () => {
    if (isMobile && isSidebarOpen) onSidebarToggle();
  };
  const item = (to: string, label: string) => (
    <NavItem key={to} isActive={pathname === to || pathname.startsWith(`${to}/`)} onClick={close}>
      <NavLink to={to}>{label}</NavLink>
    </NavItem>
  );
  return (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label={t.app.mainNav}>
          <NavGroup title={t.nav.storageGroup}>
            {item('/browse', t.nav.storage)}
            {item('/buckets', t.nav.buckets)}
            {item('/transfers', t.nav.transfers)}
          </NavGroup>
          <NavGroup title={t.nav.gpuGroup}>{item('/vram', t.nav.vram)}</NavGroup>
          <NavList>{item('/settings', t.nav.settings)}</NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );
}

function About({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const { info } = useAppData();
  return (
    <AboutModal
      isOpen={isOpen}
      onClose={onClose}
      productName={t.app.name}
      brandImageSrc="favicon.svg"
      brandImageAlt={t.app.shortName}
      aria-label={t.about.title}
    >
      <Content component="p">{t.about.description}</Content>
      {/* AboutModal's body is a PatternFly Content block, which lays out a plain <dl> as term | value rows; a
          DescriptionList's group <div>s inside it landed in those columns and drew values over the next term. */}
      <dl>
        <dt>{t.about.version}</dt>
        <dd>{info?.version ?? '—'}</dd>
        <dt>{t.about.s3Endpoint}</dt>
        <dd className="odh-tec-mono">{info?.s3_endpoint || '—'}</dd>
        <dt>{t.about.embedded}</dt>
        <dd>{info?.embedded_s3 ? t.about.yes : t.about.no}</dd>
        <dt>{t.about.prefix}</dt>
        <dd className="odh-tec-mono">{info?.nb_prefix || '/'}</dd>
      </dl>
    </AboutModal>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  const [aboutOpen, setAboutOpen] = useState(false);
  const location = useLocation();
  const navigationType = useNavigationType();
  const first = useRef(true);
  useEffect(() => {
    // Move focus to the main area when the user navigates, so screen readers follow the route change.
    if (first.current) {
      first.current = false;
      return;
    }
    if (navigationType !== 'REPLACE') document.getElementById(MAIN_ID)?.focus({ preventScroll: true });
  }, [location.pathname, navigationType]);
  return (
    <>
      <Page
        masthead={<Header onAbout={() => setAboutOpen(true)} />}
        sidebar={<Sidebar />}
        isManagedSidebar
        skipToContent={
          <SkipToContent
            href={`#${MAIN_ID}`}
            onClick={(event) => {
              // <base href> would turn '#main' into a page load: focus the main area ourselves.
              event.preventDefault();
              document.getElementById(MAIN_ID)?.focus();
            }}
          >
            {t.app.skipToContent}
          </SkipToContent>
        }
        mainContainerId={MAIN_ID}
        mainTabIndex={-1}
      >
        {children}
      </Page>
      <About isOpen={aboutOpen} onClose={() => setAboutOpen(false)} />
    </>
  );
}
